// Runs fieldsProgram() on real Node timers and prints its steps as JSON.
import { fieldsProgram } from './timeout-fields-program.ts'

process.stdout.write(JSON.stringify(await fieldsProgram()))
