using System.Text;

namespace ImageDsl.Build.Parsing;

/// <summary>
/// BuildKit's word lexer (frontend/dockerfile/shell/lex.go): quotes, the escape character, <c>$NAME</c>,
/// <c>${NAME}</c> and the <c>${NAME:-word}</c> / <c>${NAME:+word}</c> / <c>${NAME-word}</c> / <c>${NAME+word}</c>
/// forms, against the stage's variables. What the daemonless builder expands exactly as the daemon would; any other
/// modifier (<c>${NAME#…}</c>, <c>${NAME/…}</c>, <c>${NAME?…}</c>) is refused, and the image goes to the daemon.
/// </summary>
public sealed class ShellWords
{
    private readonly char _escape;
    private readonly Func<string, string?> _lookup;
    private string _text = "";
    private int _pos;

    public ShellWords(char escape, IReadOnlyDictionary<string, string> variables)
    {
        _escape = escape;
        _lookup = name => variables.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>A lexer whose variables come from <paramref name="lookup"/> (null: unset) — e.g. one that keeps every reference as a marker.</summary>
    public ShellWords(char escape, Func<string, string?> lookup)
    {
        _escape = escape;
        _lookup = lookup;
    }

    /// <summary>ProcessWord: the word with quotes removed and variables substituted.</summary>
    public string Word(string text) => Process(text).Result;

    /// <summary>ProcessWords: the same, split on blanks outside quotes (after substitution).</summary>
    public IReadOnlyList<string> Words(string text) => Process(text).Words;

    private (string Result, List<string> Words) Process(string text)
    {
        _text = text;
        _pos = 0;
        return ProcessUntil(null);
    }

    private (string Result, List<string> Words) ProcessUntil(char? stop)
    {
        var result = new StringBuilder();
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;

        void AddChar(char ch)
        {
            if (char.IsWhiteSpace(ch))
            {
                if (inWord && word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(ch);
                inWord = true;
            }
        }

        while (_pos < _text.Length)
        {
            var ch = _text[_pos];
            if (stop is { } s && ch == s)
            {
                _pos++;
                if (word.Length > 0) words.Add(word.ToString());
                return (result.ToString(), words);
            }

            if (ch == '$')
            {
                var value = Dollar();
                result.Append(value);
                foreach (var c in value) AddChar(c);
            }
            else if (ch == '\'')
            {
                var value = SingleQuoted();
                result.Append(value);
                word.Append(value);
                inWord = true;
            }
            else if (ch == '"')
            {
                var value = DoubleQuoted();
                result.Append(value);
                word.Append(value);
                inWord = true;
            }
            else
            {
                _pos++;
                if (ch == _escape)
                {
                    if (_pos >= _text.Length) break;
                    ch = _text[_pos++];
                    word.Append(ch);
                    inWord = true;
                }
                else
                {
                    AddChar(ch);
                }

                result.Append(ch);
            }
        }

        if (stop is not null) throw new FormatException($"unexpected end of statement while looking for matching {stop}");
        if (word.Length > 0) words.Add(word.ToString());
        return (result.ToString(), words);
    }

    private string SingleQuoted()
    {
        _pos++;
        var end = _text.IndexOf('\'', _pos);
        if (end < 0) throw new FormatException("unexpected end of statement while looking for matching single-quote");
        var value = _text.Substring(_pos, end - _pos);
        _pos = end + 1;
        return value;
    }

    private string DoubleQuoted()
    {
        _pos++;
        var result = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw new FormatException("unexpected end of statement while looking for matching double-quote");
            var ch = _text[_pos];
            if (ch == '"')
            {
                _pos++;
                return result.ToString();
            }

            if (ch == '$')
            {
                result.Append(Dollar());
                continue;
            }

            _pos++;
            if (ch == _escape)
            {
                if (_pos >= _text.Length) continue;
                var next = _text[_pos];
                if (next == '"' || next == '$' || next == _escape)
                {
                    ch = next;
                    _pos++;
                }
            }

            result.Append(ch);
        }
    }

    private string Dollar()
    {
        _pos++;
        if (_pos >= _text.Length || _text[_pos] != '{')
        {
            var name = Name();
            return name.Length == 0 ? "$" : Lookup(name) ?? "";
        }

        _pos++;
        if (_pos >= _text.Length) throw new FormatException("syntax error: missing '}'");
        if (_text[_pos] is '{' or '}' or ':') throw new FormatException("syntax error: bad substitution");
        var variable = Name();
        if (_pos >= _text.Length) throw new FormatException("syntax error: missing '}'");
        var modifier = _text[_pos++];
        if (modifier == '}') return Lookup(variable) ?? "";
        var nullIsUnset = false;
        if (modifier == ':')
        {
            nullIsUnset = true;
            if (_pos >= _text.Length) throw new FormatException("syntax error: missing '}'");
            modifier = _text[_pos++];
        }

        if (modifier is not ('-' or '+')) throw new NotSupportedException($"the substitution modifier '{modifier}' of ${{{variable}…}}");
        var (word, _) = ProcessUntil('}');
        var value = Lookup(variable);
        var unset = value is null || (nullIsUnset && value.Length == 0);
        return modifier == '-' ? (unset ? word : value!) : (unset ? "" : word);
    }

    private string Name()
    {
        var start = _pos;
        if (_pos < _text.Length && char.IsDigit(_text[_pos]))
        {
            while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
            return _text.Substring(start, _pos - start);
        }

        if (_pos < _text.Length && _text[_pos] is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
        {
            _pos++;
            return _text.Substring(start, 1);
        }

        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
        return _text.Substring(start, _pos - start);
    }

    private string? Lookup(string name) => _lookup(name);
}
