// GNU sed runs commands: the `e command` command hands its text to
// /bin/sh -c, and `e` alone, or the `e` flag of `s///`, runs the pattern
// space, which comes from the input. This reads a sed script far enough to
// find them: addresses, the commands and their arguments, `s` and `y` with
// any delimiter. What it does not recognise makes the script unknowable.

/** The shell commands a script's `e` commands run, or why that cannot be known. */
export type SedExecs = { readonly ok: true; readonly commands: readonly string[] } | { readonly ok: false; readonly why: string };

const SIMPLE = new Set(['=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F', '{', '}']);
/** Commands whose argument runs to the end of the line: file names and text. */
const TO_EOL = new Set(['r', 'R', 'w', 'W']);

export function sedExecs(script: string): SedExecs {
  const s = script;
  const commands: string[] = [];
  let i = 0;
  const blank = (): void => { while (s[i] === ' ' || s[i] === '\t') i++; };
  const toEol = (): string => {
    const start = i;
    while (i < s.length && s[i] !== '\n') i++;
    return s.slice(start, i);
  };
  const toEnd = (): void => { while (i < s.length && s[i] !== '\n' && s[i] !== ';') i++; };
  /** Past a delimited part (a regex or a replacement) ending at an unescaped `d`; false if it never ends. */
  const part = (d: string): boolean => {
    for (; i < s.length; i++) {
      if (s[i] === '\\') {i++;} else if (s[i] === d) { i++; return true; }
    }
    return false;
  };
  const address = (): boolean => {
    const c = s[i];
    if (c >= '0' && c <= '9') {
      while (s[i] >= '0' && s[i] <= '9') i++;
      if (s[i] === '~') { i++; while (s[i] >= '0' && s[i] <= '9') i++; }
    } else if (c === '$') {
      i++;
    } else if (c === '/' || c === '\\') {
      const d = c === '/' ? '/' : s[i + 1];
      i += c === '/' ? 1 : 2;
      if (d === undefined || d === '\n' || !part(d)) return false;
      while (s[i] === 'I' || s[i] === 'M') i++;
    }
    return true;
  };
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === ';') i++;
    if (i >= s.length) break;
    if (s[i] === '#') { toEol(); continue; }
    if (!address()) return { ok: false, why: 'sed is given a script whose address does not end' };
    blank();
    if (s[i] === ',') {
      i++;
      blank();
      if (s[i] === '+' || s[i] === '~') { i++; while (s[i] >= '0' && s[i] <= '9') i++; } else if (!address()) {
        return { ok: false, why: 'sed is given a script whose address does not end' };
      }
      blank();
    }
    while (s[i] === '!') { i++; blank(); }
    const c = s[i++];
    if (c === undefined) break;
    if (SIMPLE.has(c)) continue;
    if (c === 'l' || c === 'L' || c === 'q' || c === 'Q') { blank(); while (s[i] >= '0' && s[i] <= '9') i++; continue; }
    if (c === ':' || c === 'b' || c === 't' || c === 'T' || c === 'v') { toEnd(); continue; }
    if (c === 'a' || c === 'i' || c === 'c') {
      // One line of text, or (a\) lines that end in a backslash continue it.
      for (;;) {
        const line = toEol();
        if (!line.endsWith('\\') || i >= s.length) break;
        i++;
      }
      continue;
    }
    if (TO_EOL.has(c)) { toEol(); continue; }
    if (c === 'e') {
      blank();
      const cmd = toEol().trim();
      if (cmd === '') return { ok: false, why: "sed's e command runs the pattern space, which comes from the input" };
      commands.push(cmd);
      continue;
    }
    if (c === 's' || c === 'y') {
      const d = s[i++];
      if (d === undefined || d === '\n' || d === '\\') return { ok: false, why: `sed's ${c} command has no delimiter it can read` };
      if (!part(d) || !part(d)) return { ok: false, why: `sed's ${c} command does not end` };
      if (c === 'y') continue;
      while (i < s.length) {
        const f = s[i];
        if (f === 'e') return { ok: false, why: "sed's s///e runs the pattern space, which comes from the input" };
        if (f === 'w') { toEol(); break; }
        if (f === 'g' || f === 'p' || f === 'i' || f === 'I' || f === 'm' || f === 'M' || (f >= '0' && f <= '9')) { i++; continue; }
        break;
      }
      continue;
    }
    return { ok: false, why: `sed is given a script with a command it does not know (${c})` };
  }
  return { ok: true, commands };
}
