// A POSIX shell parser (XCU 2.3 token recognition, 2.7 redirections incl.
// here-documents, 2.9 grammar) reduced to what a policy needs: every simple
// command the line could run, in source order, including those inside
// pipelines, lists, subshells, compound commands, function bodies and
// command/process substitutions. Not regular expressions: quoting, nesting and
// here-docs are followed exactly, and what cannot be parsed is refused.
import { readArithmetic, readDoubleQuoted, readWord, ShellSyntaxError, ShellWord, WordHost, WordPart } from './shell-words';

export { ShellSyntaxError } from './shell-words';

export interface ShellAssignment {
  readonly name: string;
  readonly value: ShellWord;
  /** NAME[subscript]=value: the subscript, arithmetic unless NAME is an associative array. */
  readonly subscript?: string;
}

export interface ShellCommand {
  /** NAME=value words before the command name (the whole command when words is empty). */
  readonly assignments: readonly ShellAssignment[];
  /** The command name and its arguments; redirections removed. */
  readonly words: readonly ShellWord[];
  /** The source text of the command, for reports. */
  readonly text: string;
  /** Arithmetic the command evaluates itself ((( )), for (( )), [[ a -eq b ]]). */
  readonly arith?: readonly string[];
  /** The files its redirections open (not here-documents, not 2>&1), a compound command's included. */
  readonly redirects?: readonly ShellRedirect[];
}

export interface ShellRedirect {
  readonly op: string;
  readonly target: ShellWord;
  /** Opened for writing (>, >>, >|, <>, &>, &>>, >&file). */
  readonly writing: boolean;
}

export interface ParsedShell {
  readonly commands: readonly ShellCommand[];
  /** Names defined as shell functions anywhere in the line (their bodies are in commands). */
  readonly functions: ReadonlySet<string>;
}

const MAX_NESTING = 24;
const OPERATORS = [';;&', '<<<', '<<-', '&>>', ';;', ';&', '&&', '||', '|&', '<<', '<&', '<>', '<(', '>>', '>&', '>|', '>(', '&>',
  ';', '&', '|', '<', '>', '(', ')'];
const REDIRECTIONS = new Set(['<', '>', '>>', '<&', '>&', '<>', '>|', '<<', '<<-', '<<<', '&>', '&>>']);
const SEPARATORS = new Set([';', '&', '\n', '&&', '||', '|', '|&', '!']);
const CASE_ENDS = new Set([';;', ';&', ';;&']);
export const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?(\+?=)/;
/** Builtins whose NAME=(...) arguments are array assignments. */
const DECLARATIONS = new Set(['declare', 'typeset', 'local', 'export', 'readonly']);
/** A word whose value is only known at run time. */
const UNKNOWN_WORD: ShellWord = { parts: [{ kind: 'dyn', quoted: true }], raw: '', glob: false };

/** The value a word gives a variable when it is split and globbed (a loop's words, an array's elements): the word, or unknown. */
function splitValue(w: ShellWord): ShellWord {
  return w.glob || w.parts.some(x => x.kind !== 'lit' && !x.quoted) ? UNKNOWN_WORD : w;
}

type Token = { readonly t: 'eof' } | { readonly t: 'op'; readonly v: string } | { readonly t: 'word'; readonly w: ShellWord };

interface Shared { readonly commands: ShellCommand[]; readonly functions: Set<string> }

/** Parses a shell line. Throws ShellSyntaxError when it is not valid shell (or nests too deeply). */
export function parseShell(code: string): ParsedShell {
  const shared: Shared = { commands: [], functions: new Set() };
  const p = new Parser(code, 0, shared, 0);
  p.parseList(false);
  return shared;
}

class Parser implements WordHost {
  pos: number;
  private la: Token | undefined;
  /** Where the lookahead token starts. */
  private laStart = 0;
  private heredocs: { delim: string; strip: boolean; expand: boolean }[] = [];

  constructor(readonly src: string, start: number, private readonly shared: Shared, private readonly depth: number) {
    if (depth > MAX_NESTING) throw new ShellSyntaxError('nested too deeply');
    this.pos = start;
  }

  parseParenBody(): void {
    const p = new Parser(this.src, this.pos, this.shared, this.depth + 1);
    p.parseList(true);
    this.pos = p.pos;
  }

  /**
   * After '(' of NAME=(...): reads the elements through ')'. $NAME is element
   * 0 (PATH=(/tmp) searches /tmp): a plain first element is its value, one
   * set by index ([1]=x) or expanded is unknown; undefined for ().
   */
  private arrayFirst(): ShellWord | undefined {
    let first: ShellWord | undefined;
    for (let u = this.next(); !(u.t === 'op' && u.v === ')'); u = this.next()) {
      if (u.t === 'eof') throw new ShellSyntaxError("missing ')'");
      if (u.t === 'word' && first === undefined) first = u.w.raw.startsWith('[') ? UNKNOWN_WORD : splitValue(u.w);
    }
    return first;
  }

  /** Records arithmetic the line evaluates outside any word. */
  private arithmetic(...exprs: string[]): void {
    this.shared.commands.push({ assignments: [], words: [], text: exprs.join(' ; ').slice(0, 200), arith: exprs });
  }

  parseNested(code: string): void {
    new Parser(code, 0, this.shared, this.depth + 1).parseList(false);
  }

  /** Parses commands up to EOF, or (inParens) through the closing ')'. */
  parseList(inParens: boolean): void {
    let open = 0;
    for (;;) {
      const t = this.peek();
      if (t.t === 'eof') {
        if (inParens || open > 0) throw new ShellSyntaxError("missing ')'");
        return;
      }
      if (t.t === 'op' && t.v === ')') {
        this.la = undefined;
        if (open > 0) { open--; continue; }
        if (inParens) return;
        throw new ShellSyntaxError("unexpected ')'");
      }
      if (t.t === 'op' && t.v === '(') {
        this.la = undefined;
        if (this.src[this.pos] === '(') { this.pos++; this.arithmetic(readArithmetic(this)); } else {open++;}
        continue;
      }
      if (t.t === 'op' && (SEPARATORS.has(t.v) || CASE_ENDS.has(t.v))) {
        if (CASE_ENDS.has(t.v)) throw new ShellSyntaxError(`unexpected '${t.v}'`);
        this.la = undefined;
        continue;
      }
      this.parseCommand();
    }
  }

  private parseCommand(): void {
    const t = this.peek();
    if (t.t === 'word') {
      switch (t.w.raw) {
        case 'if': case 'then': case 'else': case 'elif': case 'fi': case 'do': case 'done': case 'while': case 'until':
        case '{': case '}': case '!': case 'coproc': case 'in':
          this.la = undefined;
          return;
        case 'time':
          this.la = undefined;
          if (this.peekWord() === '-p') this.la = undefined;
          return;
        case 'for': case 'select':
          return this.parseFor();
        case 'case':
          return this.parseCase();
        case 'function': {
          this.la = undefined;
          const name = this.next();
          if (name.t !== 'word') throw new ShellSyntaxError('function name expected');
          this.shared.functions.add(name.w.raw);
          if (this.peekOp() === '(') { this.la = undefined; this.expectOp(')'); }
          return;
        }
        case '[[': {
          this.la = undefined;
          // The operands of -eq, -ne, -lt, -le, -gt, -ge are arithmetic.
          const raw: string[] = [];
          for (let u = this.next(); !(u.t === 'word' && u.w.raw === ']]'); u = this.next()) {
            if (u.t === 'eof') throw new ShellSyntaxError("missing ']]'");
            raw.push(u.t === 'word' ? u.w.raw : '');
          }
          const arith: string[] = [];
          for (let k = 0; k < raw.length; k++) if (/^-(eq|ne|lt|le|gt|ge)$/.test(raw[k])) arith.push(raw[k - 1] ?? '', raw[k + 1] ?? '');
          if (arith.length) this.arithmetic(...arith);
          return;
        }
      }
    }
    this.parseSimple();
  }

  private parseFor(): void {
    this.la = undefined;
    if (this.peekOp() === '(') {
      this.la = undefined;
      if (this.src[this.pos] !== '(') throw new ShellSyntaxError('bad for loop');
      this.pos++;
      this.arithmetic(readArithmetic(this));
      return;
    }
    const start = this.laStart;
    const nameTok = this.next();
    if (nameTok.t !== 'word') throw new ShellSyntaxError('for: name expected');
    const name = nameTok.w.raw;
    const values: ShellWord[] = [];
    while (this.peekOp() === '\n') this.la = undefined;
    if (this.peekWord() !== 'in') {
      // for x; do: the positional parameters.
      values.push(UNKNOWN_WORD);
    } else {
      this.la = undefined;
      for (let t = this.peek(); t.t === 'word'; t = this.peek()) {
        // Each word is split and globbed before it is assigned: then its values are only known at run time.
        const w = t.w;
        values.push(splitValue(w));
        this.la = undefined;
      }
    }
    // The loop assigns its variable (for PATH in /tmp; do x; done): recorded as assignments, like NAME=value alone.
    if (ASSIGNMENT.test(`${name}=`)) this.shared.commands.push({ assignments: values.map(value => ({ name, value })), words: [], text: this.src.slice(start, this.pos).trim() });
  }

  private parseCase(): void {
    this.la = undefined;
    if (this.next().t !== 'word') throw new ShellSyntaxError('case: word expected');
    while (this.peekOp() === '\n') this.la = undefined;
    if (this.peekWord() !== 'in') throw new ShellSyntaxError("case: 'in' expected");
    this.la = undefined;
    for (;;) {
      while (this.peekOp() === '\n' || this.peekOp() === ';') this.la = undefined;
      if (this.peekWord() === 'esac') { this.la = undefined; return; }
      if (this.peekOp() === '(') this.la = undefined;
      for (;;) {
        const u = this.next();
        if (u.t === 'eof') throw new ShellSyntaxError("case: ')' expected");
        if (u.t === 'op' && u.v === ')') break;
        if (u.t === 'op' && u.v !== '|') throw new ShellSyntaxError(`case: unexpected '${u.v}'`);
      }
      // The branch body, up to ;; or esac.
      for (;;) {
        const u = this.peek();
        if (u.t === 'eof') throw new ShellSyntaxError("case: 'esac' expected");
        if (u.t === 'op' && CASE_ENDS.has(u.v)) { this.la = undefined; break; }
        if (u.t === 'word' && u.w.raw === 'esac') break;
        if (u.t === 'op' && (SEPARATORS.has(u.v))) { this.la = undefined; continue; }
        if (u.t === 'op' && u.v === '(') { this.la = undefined; this.parseParenBody(); continue; }
        if (u.t === 'op' && u.v === ')') throw new ShellSyntaxError("unexpected ')'");
        this.parseCommand();
      }
    }
  }

  private parseSimple(): void {
    const start = this.peekStart();
    const assignments: ShellAssignment[] = [];
    const words: ShellWord[] = [];
    const redirects: ShellRedirect[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'eof') break;
      if (t.t === 'op') {
        if (REDIRECTIONS.has(t.v)) {
          this.la = undefined;
          const target = this.next();
          if (target.t !== 'word') throw new ShellSyntaxError(`${t.v}: word expected`);
          if (t.v === '<<' || t.v === '<<-') {
            this.heredoc(target.w, t.v === '<<-');
            continue;
          }
          // <<< is a string; <&N, >&N and >&- duplicate or close a descriptor (bash's >&file opens file:
          // one that expands is taken as a descriptor, >&$fd).
          if (t.v !== '<<<' && t.v !== '<&' && !(t.v === '>&' && /^([0-9]+-?|-)$|[$`]/.test(target.w.raw))) {
            redirects.push({ op: t.v, target: target.w, writing: t.v !== '<' });
          }
          continue;
        }
        if (t.v === '<(' || t.v === '>(') {
          this.la = undefined;
          this.parseParenBody();
          words.push({ parts: [{ kind: 'dyn', quoted: true }], raw: '<(...)', glob: false });
          continue;
        }
        if (t.v === '(' && words.length === 1 && assignments.length === 0) {
          this.la = undefined;
          this.expectOp(')');
          this.shared.functions.add(words[0].raw);
          return;
        }
        // declare/local/export/readonly/typeset NAME=(...): an array assignment too; $NAME is its first element.
        const lastWord = words[words.length - 1];
        if (t.v === '(' && words.length > 1 && DECLARATIONS.has(words[0].raw) && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(lastWord.raw)) {
          this.la = undefined;
          const first = this.arrayFirst();
          if (first) words[words.length - 1] = { parts: [...lastWord.parts, ...first.parts], raw: lastWord.raw + first.raw, glob: false };
          continue;
        }
        if (t.v === '(' && words.length === 0 && assignments.length > 0 && assignments[assignments.length - 1].value.raw === '') {
          this.la = undefined; // bash array assignment a=(x y)
          // (NAME+=(x) leaves element 0 as it was: x is one more candidate, which only makes the check stricter.)
          const last = assignments[assignments.length - 1];
          assignments[assignments.length - 1] = { name: last.name, value: this.arrayFirst() ?? last.value };
          continue;
        }
        break;
      }
      this.la = undefined;
      const m = words.length === 0 ? ASSIGNMENT.exec(t.w.raw) : null;
      if (m) {
        const value = stripPrefix(t.w, m[0].length);
        assignments.push(m[2] === undefined ? { name: m[1], value } : { name: m[1], value, subscript: m[2] });
      } else {words.push(t.w);}
    }
    const end = this.peekStart();
    this.shared.commands.push({
      assignments,
      words,
      text: this.src.slice(start, Math.max(start, end)).trim(),
      ...(redirects.length !== 0 ? { redirects } : {}),
    });
  }

  private heredoc(w: ShellWord, strip: boolean): void {
    const expand = !/['"\\]/.test(w.raw);
    const delim = w.parts.map(p => (p.kind === 'lit' ? p.text : '$')).join('');
    this.heredocs.push({ delim, strip, expand });
  }

  private readHeredocs(): void {
    for (const d of this.heredocs.splice(0)) {
      let body = '';
      while (this.pos < this.src.length) {
        let e = this.src.indexOf('\n', this.pos);
        if (e < 0) e = this.src.length;
        const line = this.src.slice(this.pos, e);
        this.pos = Math.min(e + 1, this.src.length);
        if ((d.strip ? line.replace(/^\t+/, '') : line) === d.delim) break;
        body += line + '\n';
      }
      if (d.expand) {
        const sub = new Parser(body, 0, this.shared, this.depth + 1);
        readDoubleQuoted(sub, [], '');
      }
    }
  }

  private peek(): Token {
    if (!this.la) this.la = this.lex();
    return this.la;
  }
  private peekStart(): number {
    this.peek();
    return this.laStart;
  }
  private next(): Token {
    const t = this.peek();
    this.la = undefined;
    return t;
  }
  private peekOp(): string | undefined {
    const t = this.peek();
    return t.t === 'op' ? t.v : undefined;
  }
  private peekWord(): string | undefined {
    const t = this.peek();
    return t.t === 'word' ? t.w.raw : undefined;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new ShellSyntaxError(`'${v}' expected`);
  }

  private lex(): Token {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t') {
        this.pos++;
      } else if (c === '\\' && s[this.pos + 1] === '\n') {
        this.pos += 2;
      } else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else {
        break;
      }
    }
    this.laStart = this.pos;
    if (this.pos >= s.length) return { t: 'eof' };
    if (s[this.pos] === '\n') {
      this.pos++;
      this.readHeredocs();
      return { t: 'op', v: '\n' };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, this.pos)) { this.pos += op.length; return { t: 'op', v: op }; }
    }
    // An IO_NUMBER (2>file) or {var}>file is part of the redirection, not a word.
    const io = /^(?:[0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})(?=[<>])/.exec(s.slice(this.pos, this.pos + 40));
    if (io) { this.pos += io[0].length; return this.lex(); }
    return { t: 'word', w: readWord(this) };
  }
}

export function stripPrefix(w: ShellWord, n: number): ShellWord {
  const parts: WordPart[] = w.parts.slice();
  const first = parts[0];
  if (first && first.kind === 'lit') {
    if (first.text.length > n) parts[0] = { kind: 'lit', text: first.text.slice(n) };
    else parts.shift();
  }
  return { parts, raw: w.raw.slice(n), glob: w.glob };
}
