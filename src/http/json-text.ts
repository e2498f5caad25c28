// Checks a JSON request body as bytes, before it is parsed: no object may
// name the same field twice.
// JSON.parse silently keeps the last of two equal names, so
// `{"creditRequests":[...], "creditRequests":[...]}` would grant whichever
// came last: a payload whose meaning depends on the parser is refused instead.
//
// Used by the body reader (body.ts), which also refuses charsets other than
// UTF-8 (RFC 8259 section 8.1: JSON exchanged between systems is UTF-8).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface ObjectFrame {
  keys: Set<string>;
  key: string | undefined;
  expectKey: boolean;
}
interface ArrayFrame {
  index: number;
}
type Frame = ObjectFrame | ArrayFrame;

const isObject = (f: Frame): f is ObjectFrame => 'keys' in f;

/** `creditRequests[1].accountId` for the frames open at a point of the text. */
function pathOf(stack: Frame[], key: string): string {
  let out = '';
  for (const f of stack.slice(0, -1)) {
    if (isObject(f)) out += out === '' ? String(f.key) : `.${String(f.key)}`;
    else out += `[${f.index}]`;
  }
  const clipped = key.length > 60 ? `${key.slice(0, 60)}...` : key;
  return out === '' ? clipped : `${out}.${clipped}`;
}

/**
 * The path of the first field named twice in one object, or undefined. Text
 * that is not valid JSON is left to the parser to report (the scan gives up
 * without a finding).
 */
export function findDuplicateKey(buf: Buffer): string | undefined {
  const stack: Frame[] = [];
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // Find the closing quote, stepping over escapes.
      let j = i + 1;
      let escaped = false;
      for (; j < n; j++) {
        const d = buf[j]!;
        if (d === BACKSLASH) {
          escaped = true;
          j++;
        } else if (d === QUOTE) break;
      }
      if (j >= n) return undefined;
      const top = stack[stack.length - 1];
      if (top !== undefined && isObject(top) && top.expectKey) {
        let key: string;
        try {
          key = escaped ? (JSON.parse(buf.toString('utf8', i, j + 1)) as string) : buf.toString('utf8', i + 1, j);
        } catch {
          return undefined;
        }
        if (top.keys.has(key)) return pathOf(stack, key);
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), key: undefined, expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top === undefined) return undefined;
      if (isObject(top)) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
