import { SPLAT } from '../../../lambda-layer/src/decision/args';
import { wordArg } from '../../../lambda-layer/src/decision/shell-check';
import { parseShell, ShellSyntaxError } from '../../../lambda-layer/src/decision/shell-parser';

/** The commands of a line as argv arrays (dynamic fields shown as <?> and <*>). */
function commands(line: string): string[][] {
  return parseShell(line).commands.filter(c => c.words.length).map(c => c.words.map(w => {
    const a = wordArg(w);
    return a === SPLAT ? '<*>' : a === undefined ? '<?>' : a;
  }));
}

describe('parseShell', () => {
  it.each([
    ['a simple command with quotes and escapes', 'echo \'a b\' "c d" e\\ f', [['echo', 'a b', 'c d', 'e f']]],
    ['pipelines and lists', 'a | b && c || d; e & f', [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]],
    ['redirections, which are not words', 'a > out 2>&1 < in >> log', [['a']]],
    ['an IO number glued to a redirection', 'a 2>/dev/null b', [['a', 'b']]],
    ['command substitution bodies, before the command using them', 'echo "$(b x)" `c y`', [['b', 'x'], ['c', 'y'], ['echo', '<?>', '<*>']]],
    ['nested substitutions', 'a $(b $(c))', [['c'], ['b', '<*>'], ['a', '<*>']]],
    ['process substitution', 'diff <(a) <(b)', [['a'], ['b'], ['diff', '<?>', '<?>']]],
    ['arithmetic expansion with a substitution inside', 'echo $(( 1 + $(a) ))', [['a'], ['echo', '<*>']]],
    ['parameter expansion with a substitution in its default', 'echo "${X:-$(a)}"', [['a'], ['echo', '<?>']]],
    ['if/while/for/case and their bodies', 'if a; then b; elif c; then d; else e; fi; while f; do g; done; for i in 1 2; do h; done; case x in y) i;; z|w) j;; esac',
      [['a'], ['b'], ['c'], ['d'], ['e'], ['f'], ['g'], ['h'], ['i'], ['j']]],
    ['reserved words as arguments', 'echo if then done', [['echo', 'if', 'then', 'done']]],
    ['subshells and groups', '(a; (b)) && { c; }', [['a'], ['b'], ['c']]],
    ['a function definition and its body', 'f() { a; }; function g { b; }; f', [['a'], ['b'], ['f']]],
    ['a here-document with a substitution', 'cat <<EOF\n$(a)\nEOF\nb', [['a'], ['cat'], ['b']]],
    ['a quoted here-document, not expanded', "cat <<'EOF'\n$(a)\nEOF\nb", [['cat'], ['b']]],
    ['a <<- here-document with tabs', 'cat <<-EOF\n\t$(a)\n\tEOF\nb', [['a'], ['cat'], ['b']]],
    ['ANSI-C quoting', "$'\\x2fbin\\x2fsh' $'a\\'b' $'\\101\\u00e9'", [['/bin/sh', "a'b", 'Aé']]],
    ['comments', 'a # b; c\nd', [['a'], ['d']]],
    ['line continuations', 'a \\\nb', [['a', 'b']]],
    ['[[ ]] with operators inside', '[[ -n x && $(a) < b ]] && c', [['a'], ['c']]],
    ['arithmetic commands', '(( i = $(a) + 1 )); b', [['a'], ['b']]],
    ['globs and unquoted expansions as unknown fields', 'a * $X "$Y" "$@"', [['a', '<*>', '<*>', '<?>', '<*>']]],
    ['a tilde as HOME', 'ls ~/x', [['ls', '<*>']]],
  ])('parses %s', (_name, line, expected) => {
    expect(commands(line)).toEqual(expected);
  });

  it('keeps assignments apart from the command', () => {
    const [c] = parseShell('A=1 B="x y" cmd arg').commands;
    expect(c.assignments.map(a => [a.name, wordArg(a.value)])).toEqual([['A', '1'], ['B', 'x y']]);
    expect(c.words.map(w => wordArg(w))).toEqual(['cmd', 'arg']);
  });

  it('records the source text of each command', () => {
    expect(parseShell('ls -l | grep "x y"; cat').commands.map(c => c.text)).toEqual(['ls -l', 'grep "x y"', 'cat']);
  });

  it('lists the names of functions defined in the line', () => {
    expect([...parseShell('f() { :; }; function g() { :; }').functions]).toEqual(['f', 'g']);
  });

  it.each([
    ['an unterminated single quote', "echo 'x"],
    ['an unterminated double quote', 'echo "x'],
    ['an unterminated command substitution', 'echo $(a'],
    ['an unterminated backquote', 'echo `a'],
    ['an unexpected )', 'a )'],
    ['a case without esac', 'case x in y) a;;'],
    ['a redirection without a target', 'a >'],
  ])('throws ShellSyntaxError on %s', (_name, line) => {
    expect(() => parseShell(line)).toThrow(ShellSyntaxError);
  });

  it('throws ShellSyntaxError when substitutions nest too deeply', () => {
    expect(() => parseShell('$('.repeat(100) + 'a' + ')'.repeat(100))).toThrow(ShellSyntaxError);
  });
});
