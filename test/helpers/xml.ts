/**
 * A small XML reader for tests: checks that a document is well-formed (one
 * root, tags nested and closed, attributes quoted and not repeated, only the
 * five predefined entities and character references) and returns its
 * elements as a tree. Enough to assert on an SVG we generate; no DTD, no
 * namespaces resolved, no CDATA (our SVG has none: meeting one fails).
 */
export interface XmlElement {
  readonly name: string
  readonly attributes: Record<string, string>
  readonly children: XmlElement[]
  /** Text directly inside, entities decoded. */
  text: string
}

const name = /^[A-Za-z_:][\w:.-]*/
const entity = /^&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/
const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Parses `source`; throws SyntaxError naming the offset on the first fault. */
export function parseXml(source: string): XmlElement {
  let i = 0
  const fail = (what: string): never => {
    throw new SyntaxError(`not well-formed XML at offset ${i}: ${what} (near ${JSON.stringify(source.slice(i, i + 30))})`)
  }
  const decode = (raw: string): string => {
    let out = ''
    for (let j = 0; j < raw.length; ) {
      const c = raw[j]!
      if (c === '<') fail('a raw < in text or an attribute')
      if (c !== '&') {
        out += c
        j++
        continue
      }
      const m = entity.exec(raw.slice(j))
      if (m === null) fail('an unknown or unterminated entity')
      out += m![1] !== undefined ? named[m![1]]! : String.fromCodePoint(Number.parseInt(m![2] ?? m![3]!, m![2] !== undefined ? 10 : 16))
      j += m![0].length
    }
    return out
  }
  const skipMisc = (): void => {
    for (;;) {
      const rest = source.slice(i)
      const ws = /^\s+/.exec(rest)
      if (ws) i += ws[0].length
      else if (rest.startsWith('<?')) i = source.indexOf('?>', i) + 2 || fail('an unterminated declaration')
      else if (rest.startsWith('<!--')) i = source.indexOf('-->', i) + 3 || fail('an unterminated comment')
      else return
    }
  }
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('expected <')
    i++
    const n = name.exec(source.slice(i))?.[0] ?? fail('expected an element name')
    i += n.length
    const node: XmlElement = { name: n, attributes: {}, children: [], text: '' }
    for (;;) {
      const ws = /^\s*/.exec(source.slice(i))![0]
      i += ws.length
      if (source.startsWith('/>', i)) {
        i += 2
        return node
      }
      if (source[i] === '>') {
        i++
        break
      }
      if (ws === '') fail('expected whitespace before an attribute')
      const a = name.exec(source.slice(i))?.[0] ?? fail('expected an attribute name')
      i += a.length
      if (a in node.attributes) fail(`attribute ${a} repeated`)
      const eq = /^\s*=\s*(["'])/.exec(source.slice(i)) ?? fail('expected ="..." after an attribute name')
      i += eq[0].length
      const end = source.indexOf(eq[1]!, i)
      if (end === -1) fail('an unterminated attribute value')
      node.attributes[a] = decode(source.slice(i, end))
      i = end + 1
    }
    for (;;) {
      const next = source.indexOf('<', i)
      if (next === -1) fail(`<${n}> is never closed`)
      node.text += decode(source.slice(i, next))
      i = next
      if (source.startsWith('<!--', i)) {
        i = source.indexOf('-->', i) + 3 || fail('an unterminated comment')
      } else if (source.startsWith('</', i)) {
        i += 2
        const closing = name.exec(source.slice(i))?.[0]
        if (closing !== n) fail(`</${closing}> closes <${n}>`)
        i += n.length
        const gt = /^\s*>/.exec(source.slice(i)) ?? fail('expected > after a closing tag')
        i += gt[0].length
        return node
      } else if (source.startsWith('<![CDATA[', i) || source.startsWith('<!', i)) {
        fail('CDATA or a declaration inside an element')
      } else node.children.push(element())
    }
  }
  skipMisc()
  const root = element()
  skipMisc()
  if (i !== source.length) fail('content after the root element')
  return root
}

/** Every element under `root` (itself included), depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)]
}
