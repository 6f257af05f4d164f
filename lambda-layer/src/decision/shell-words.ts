// Word recognition for the shell parser (POSIX XCU 2.3, 2.6 plus the bash
// forms attackers use: $'...', $"...", <( ), brace expansion). A word keeps
// which parts are literal and which are expansions, so the checker can tell a
// static command name from one only known at run time.

export type WordPart =
  | { readonly kind: 'lit'; readonly text: string }
  /** $NAME or ${NAME}: only resolved in assignments to PATH and friends. */
  | { readonly kind: 'param'; readonly name: string; readonly quoted: boolean }
  /** Anything else: $( ), backquotes, ${x:-y}, $((..)), $@, $1. */
  | {
    readonly kind: 'dyn';
    readonly quoted: boolean;
    readonly splat?: boolean;
    readonly assigns?: string;
    /** $(( ... )) and $[ ... ]: the expression, which bash evaluates (variables' values included) as arithmetic. */
    readonly arith?: string;
    /** ${a[sub]}: the array whose subscript arith is (not arithmetic when it is associative). */
    readonly arithArray?: string;
    /** ${x:offset:length}: the offset and length, arithmetic. */
    readonly ariths?: readonly string[];
  };

export interface ShellWord {
  readonly parts: readonly WordPart[];
  readonly raw: string;
  /** Unquoted glob or brace characters: pathname or brace expansion may change the word. */
  readonly glob: boolean;
}

export interface WordHost {
  readonly src: string;
  pos: number;
  /** Parses the body of $( ) or <( ) from pos through its closing ')'. */
  parseParenBody(): void;
  /** Parses a backquote body (already unescaped) as separate source. */
  parseNested(code: string): void;
}

export class ShellSyntaxError extends Error {}

const META = ' \t\n;&|<>()';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Reads one word starting at host.pos (which is not a blank or operator). */
export function readWord(h: WordHost): ShellWord {
  const s = h.src;
  const start = h.pos;
  const parts: WordPart[] = [];
  let lit = '';
  let glob = false;
  // An unquoted '[' is a pattern only with an unquoted ']' after it in the word ('[' alone is the test command).
  let bracket = false;
  const flush = () => { if (lit) { parts.push({ kind: 'lit', text: lit }); lit = ''; } };
  if (s[h.pos] === '~') {
    const m = /^~([^/ \t\n;&|<>()]*)/.exec(s.slice(h.pos))!;
    parts.push(m[1] === '' ? { kind: 'param', name: 'HOME', quoted: false } : { kind: 'dyn', quoted: false });
    h.pos += m[0].length;
  }
  while (h.pos < s.length) {
    const c = s[h.pos];
    if (META.includes(c)) break;
    if (c === '\\') {
      if (s[h.pos + 1] !== '\n' && h.pos + 1 < s.length) lit += s[h.pos + 1];
      h.pos += 2;
    } else if (c === "'") {
      const e = s.indexOf("'", h.pos + 1);
      if (e < 0) throw new ShellSyntaxError('unterminated single quote');
      lit += s.slice(h.pos + 1, e);
      h.pos = e + 1;
    } else if (c === '"') {
      h.pos++;
      flush();
      readDoubleQuoted(h, parts, '"');
    } else if (c === '`') {
      flush();
      readBackquote(h);
      parts.push({ kind: 'dyn', quoted: false });
    } else if (c === '$' && s[h.pos + 1] === "'") {
      h.pos += 2;
      lit += readAnsiC(h);
    } else if (c === '$' && s[h.pos + 1] === '"') {
      h.pos += 2;
      flush();
      readDoubleQuoted(h, parts, '"');
    } else if (c === '$') {
      flush();
      if (!readDollar(h, parts, false)) { lit += '$'; h.pos++; }
    } else {
      if (c === '*' || c === '?' || (c === ']' && bracket)) glob = true;
      if (c === '[') bracket = true;
      lit += c;
      h.pos++;
    }
  }
  flush();
  const raw = s.slice(start, h.pos);
  if (/\{[^}]*(,|\.\.)[^}]*\}/.test(raw)) glob = true;
  return { parts, raw, glob };
}

/** Double-quoted text up to `close` (consumed); close '' reads to the end (here-doc bodies). */
export function readDoubleQuoted(h: WordHost, parts: WordPart[], close: string): void {
  const s = h.src;
  let lit = '';
  const flush = () => { if (lit) { parts.push({ kind: 'lit', text: lit }); lit = ''; } };
  for (;;) {
    if (h.pos >= s.length) {
      if (close) throw new ShellSyntaxError('unterminated double quote');
      break;
    }
    const c = s[h.pos];
    if (close && c === close) { h.pos++; break; }
    if (c === '\\') {
      const n = s[h.pos + 1];
      if (n === '\n') { h.pos += 2; continue; }
      if (n !== undefined && '$`"\\'.includes(n)) { lit += n; h.pos += 2; continue; }
      lit += c;
      h.pos++;
    } else if (c === '`') {
      flush();
      readBackquote(h);
      parts.push({ kind: 'dyn', quoted: true });
    } else if (c === '$') {
      flush();
      if (!readDollar(h, parts, true)) { lit += '$'; h.pos++; }
    } else {
      lit += c;
      h.pos++;
    }
  }
  flush();
}

/** At a '$': reads an expansion and pushes its part; false when the '$' is literal. */
function readDollar(h: WordHost, parts: WordPart[], quoted: boolean): boolean {
  const s = h.src;
  const n = s[h.pos + 1];
  if (n === '(' && s[h.pos + 2] === '(') {
    h.pos += 3;
    parts.push({ kind: 'dyn', quoted, arith: readArithmetic(h) });
    return true;
  }
  if (n === '(') {
    h.pos += 2;
    h.parseParenBody();
    parts.push({ kind: 'dyn', quoted });
    return true;
  }
  if (n === '{') {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(s.slice(h.pos, h.pos + 200));
    if (m) {
      h.pos += m[0].length;
      parts.push({ kind: 'param', name: m[1], quoted });
      return true;
    }
    const splat = /^!?[@*]|^[A-Za-z_0-9]*\[[@*]\]/.test(s.slice(h.pos + 2, h.pos + 200));
    const start = h.pos;
    h.pos += 2;
    readBraced(h);
    // bash's ${x@P} expands the value as a prompt string, which runs the command substitutions in it: eval.
    if (/@P\}$/.test(s.slice(start, h.pos))) throw new ShellSyntaxError('${...@P} runs the command substitutions in a value (like eval)');
    // ${NAME:=value} and ${NAME=value} assign NAME when it is unset (or empty).
    const assigns = /^\$\{([A-Za-z_][A-Za-z0-9_]*):?=/.exec(s.slice(start, h.pos))?.[1];
    // ${!NAME}: the variable NAME names is expanded, a subscript in that name included (like arithmetic on $NAME's value).
    const body = s.slice(start, h.pos);
    const indirect = /^\$\{!([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(body)?.[1];
    // ${a[sub]}: an indexed array's subscript is arithmetic; ${x:offset:length} too.
    const sub = /^\$\{#?([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]/.exec(body);
    const slice = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?:(?![-=?+])([^}]*)\}$/.exec(body);
    parts.push({
      kind: 'dyn',
      quoted,
      splat,
      ...(assigns !== undefined ? { assigns } : {}),
      ...(indirect !== undefined ? { arith: indirect } : sub && sub[2] !== '@' && sub[2] !== '*' ? { arith: sub[2], arithArray: sub[1] } : {}),
      ...(slice ? { ariths: slice[2].split(':') } : {}),
    });
    return true;
  }
  if (n === '[') {
    const e = s.indexOf(']', h.pos);
    if (e < 0) throw new ShellSyntaxError('unterminated $[');
    const arith = s.slice(h.pos + 2, e);
    h.pos = e + 1;
    parts.push({ kind: 'dyn', quoted, arith });
    return true;
  }
  const m = NAME.exec(s.slice(h.pos + 1, h.pos + 200));
  if (m) {
    h.pos += 1 + m[0].length;
    parts.push({ kind: 'param', name: m[0], quoted });
    return true;
  }
  if (n !== undefined && /[0-9@*#?$!-]/.test(n)) {
    h.pos += 2;
    parts.push({ kind: 'dyn', quoted, splat: n === '@' || n === '*' });
    return true;
  }
  return false;
}

/** The inside of ${ ... } (after '${'), through the matching '}'. */
function readBraced(h: WordHost): void {
  const s = h.src;
  const sink: WordPart[] = [];
  while (h.pos < s.length) {
    const c = s[h.pos];
    if (c === '}') { h.pos++; return; }
    if (c === '\\') {h.pos += 2;} else if (c === "'") {
      const e = s.indexOf("'", h.pos + 1);
      if (e < 0) throw new ShellSyntaxError('unterminated single quote');
      h.pos = e + 1;
    } else if (c === '"') {
      h.pos++;
      readDoubleQuoted(h, sink, '"');
    } else if (c === '`') {
      readBackquote(h);
    } else if (c === '$') {
      if (!readDollar(h, sink, true)) h.pos++;
    } else {
      h.pos++;
    }
  }
  throw new ShellSyntaxError('unterminated ${');
}

/** Arithmetic text after '$((' or '((' through the closing '))'; returns the expression. */
export function readArithmetic(h: WordHost): string {
  const s = h.src;
  const sink: WordPart[] = [];
  const start = h.pos;
  let depth = 0;
  while (h.pos < s.length) {
    const c = s[h.pos];
    if (c === ')' && depth === 0) {
      if (s[h.pos + 1] !== ')') throw new ShellSyntaxError('unterminated arithmetic');
      h.pos += 2;
      return s.slice(start, h.pos - 2);
    }
    if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      h.pos++;
    } else if (c === '\\') {
      h.pos += 2;
    } else if (c === '`') {
      readBackquote(h);
    } else if (c === '$') {
      if (!readDollar(h, sink, true)) h.pos++;
    } else if (c === '"') {
      h.pos++;
      readDoubleQuoted(h, sink, '"');
    } else {
      h.pos++;
    }
  }
  throw new ShellSyntaxError('unterminated arithmetic');
}

function readBackquote(h: WordHost): void {
  const s = h.src;
  let body = '';
  let i = h.pos + 1;
  for (; i < s.length && s[i] !== '`'; i++) {
    if (s[i] === '\\' && i + 1 < s.length && '$`\\'.includes(s[i + 1])) body += s[++i];
    else body += s[i];
  }
  if (i >= s.length) throw new ShellSyntaxError('unterminated backquote');
  h.pos = i + 1;
  h.parseNested(body);
}

const SIMPLE_ESCAPES: Record<string, string> = { 'a': '\x07', 'b': '\b', 'e': '\x1b', 'E': '\x1b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** ANSI-C quoting $'...' (bash, zsh, ksh), from after "$'" through the closing quote. */
export function readAnsiC(h: WordHost): string {
  const s = h.src;
  let out = '';
  while (h.pos < s.length) {
    const c = s[h.pos++];
    if (c === "'") return out;
    if (c !== '\\') { out += c; continue; }
    const e = s[h.pos++];
    if (e === undefined) break;
    if (SIMPLE_ESCAPES[e] !== undefined) { out += SIMPLE_ESCAPES[e]; continue; }
    let m: RegExpExecArray | null;
    const rest = s.slice(h.pos - 1, h.pos + 9);
    if ((m = /^[0-7]{1,3}/.exec(rest))) { out += String.fromCharCode(parseInt(m[0], 8) % 256); h.pos += m[0].length - 1; } else if ((m = /^x([0-9a-fA-F]{1,2})/.exec(rest))) { out += String.fromCharCode(parseInt(m[1], 16)); h.pos += m[0].length - 1; } else if ((m = /^u([0-9a-fA-F]{1,4})/.exec(rest)) || (m = /^U([0-9a-fA-F]{1,8})/.exec(rest))) {
      const cp = parseInt(m[1], 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      h.pos += m[0].length - 1;
    } else if (e === 'c' && h.pos < s.length) {out += String.fromCharCode(s.charCodeAt(h.pos++) % 32);} else {out += '\\' + e;}
  }
  throw new ShellSyntaxError("unterminated $'");
}
