/**
 * The source text of a number in a JSON object, read from the text itself: `JSON.parse` turns
 * `100.999999999999999999` into the double 101, and nothing after it can tell that the client sent something
 * else. Only the top level is scanned; the text is valid JSON (it was parsed first).
 */

/** The raw token of `key`'s value when it is a number (the last one, as `JSON.parse` keeps), else undefined. */
export function topLevelNumberSource(text: string, key: string): string | undefined {
  let index = skipSpace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (text[index] !== '{') return undefined;
  index = skipSpace(text, index + 1);
  let found: string | undefined;
  while (index < text.length && text[index] !== '}') {
    const keyEnd = stringEnd(text, index);
    const name = JSON.parse(text.slice(index, keyEnd)) as string;
    index = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    const valueEnd = valueEndAt(text, index);
    if (name === key) {
      const token = text.slice(index, valueEnd);
      found = /^-?\d/.test(token) ? token : undefined;
    }
    index = skipSpace(text, valueEnd);
    if (text[index] === ',') index = skipSpace(text, index + 1);
  }
  return found;
}

/**
 * A JSON number token as an exact decimal string, exponent applied: "1.5e3" → "1500", "100.50" → "100.5".
 * Undefined for exponents too large to write out (such a number is out of any amount range anyway).
 */
export function exactDecimal(token: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > 400) return undefined;
  let digits = whole + fraction;
  let point = whole.length + exponent;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const decimals = digits.slice(point).replace(/0+$/, '');
  return sign + integer + (decimals ? `.${decimals}` : '');
}

function skipSpace(text: string, from: number): number {
  let index = from;
  while (index < text.length && ' \t\n\r'.includes(text[index] as string)) index++;
  return index;
}

/** The index just past the string starting at `from` (its opening quote). */
function stringEnd(text: string, from: number): number {
  let index = from + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') index += 2;
    else if (char === '"') return index + 1;
    else index++;
  }
  return index;
}

/** The index just past the value starting at `from`: a string, an object/array (nested), or a literal. */
function valueEndAt(text: string, from: number): number {
  const first = text[from];
  if (first === '"') return stringEnd(text, from);
  if (first === '{' || first === '[') {
    let depth = 0;
    let index = from;
    while (index < text.length) {
      const char = text[index];
      if (char === '"') {
        index = stringEnd(text, index);
        continue;
      }
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return index + 1;
      }
      index++;
    }
    return index;
  }
  let index = from;
  while (index < text.length && !',}] \t\n\r'.includes(text[index] as string)) index++;
  return index;
}
