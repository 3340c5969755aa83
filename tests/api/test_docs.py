# SPDX-License-Identifier: Apache-2.0
"""test_docs.py: the documentation says what the program does.

- docs/cli.md has a section ("## <command>") for every command `renkei --help` lists; each
  subcommand its --help shows appears there as "renkei <command> <subcommand>"; every option
  that `renkei <command> [<subcommand>] --help` lists (in its usage lines or under "Options:")
  is written in that section; and the section's synopses show no option the help lacks. A
  failure names the command, the subcommand and the option.
- Every curl command in the README and docs/ whose URL holds brackets (`match[type]`) has
  -g, without which curl reads them as a URL pattern and fails (`curl: (3) bad range`).
"""
import glob
import os
import re
import shlex
import unittest

from harness import ROOT, Hub

CLI_MD = os.path.join(ROOT, "docs", "cli.md")
OPTION = re.compile(r"(?<![\w-])--[a-z0-9][a-z0-9-]*")


def block(text, title):
    """The lines of the block of text that starts with a line starting with title, up to the
    first empty line."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(title):
            out = []
            for rest in lines[i:]:
                if not rest.strip():
                    break
                out.append(rest)
            return out
    return []


def usage_entries(help_text, command):
    """{subcommand or None: text of its usage lines} from the "Usage:" block of a --help."""
    entries = {}
    current = None
    for line in block(help_text, "Usage:"):
        m = re.search(r"\brenkei %s(?: ([a-z][a-z-]*))?\b" % re.escape(command), line)
        if m:
            current = m.group(1)
        entries[current] = entries.get(current, "") + line + "\n"
    return entries


def options(text):
    return set(OPTION.findall(text)) - {"--help"}


def sections(markdown):
    """{first word of the heading: text} of the "## " sections, and the text before them."""
    out = {}
    name, lines = None, []
    for line in markdown.splitlines():
        if line.startswith("## "):
            out[name] = "\n".join(lines)
            name = re.sub(r"[^a-z0-9-]", " ", line[3:].lower()).split()[0]
            lines = []
        lines.append(line)
    out[name] = "\n".join(lines)
    return out


def documents(section, option):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(option), section) is not None


class CliDocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()  # a data folder, so that nothing reads ./renkei-data

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()

    def help(self, *args):
        p = self.hub.run_cli(*(list(args) + ["--help"]), data=False)
        self.assertEqual(p.returncode, 0, "renkei %s --help: %s" % (" ".join(args), p.stderr))
        self.assertTrue(p.stdout.startswith("Usage: "), p.stdout[:200])
        return p.stdout

    def commands(self):
        top = self.help()
        p = self.hub.run_cli("help", data=False)
        self.assertEqual(p.stdout, top, "renkei help and renkei --help differ")
        names = [line.split()[0] for line in block(top, "Commands:")[1:]]
        self.assertIn("org", names)
        return names

    def test_every_option_of_every_command_is_in_cli_md(self):
        with open(CLI_MD) as f:
            docs = sections(f.read())
        missing = []
        seen = 0
        for cmd in self.commands():
            text = self.help(cmd)
            subs = sorted(s for s in usage_entries(text, cmd) if s is not None)
            section = docs.get(cmd)
            if section is None:
                missing.append("docs/cli.md has no section '## %s' for 'renkei %s'" % (cmd, cmd))
                continue
            listed = set()
            for sub in subs or [None]:
                name = "renkei %s%s" % (cmd, " " + sub if sub else "")
                if sub is not None:
                    text = self.help(cmd, sub)
                    if not re.search(r"\b%s\b" % re.escape(name), section):
                        missing.append("docs/cli.md, section '## %s': '%s' is not shown"
                                       % (cmd, name))
                # What `name --help` lists: the options of its usage lines, and those under
                # "Options:" that no usage line gives to another subcommand.
                entries = usage_entries(text, cmd)
                others = set().union(set(), *(options(t) for s, t in entries.items()
                                              if s not in (sub, None)))
                opts = options(entries.get(sub, "")) | (
                    options("\n".join(block(text, "Options:"))) - others)
                listed |= opts
                for opt in sorted(opts):
                    seen += 1
                    if not documents(section, opt):
                        missing.append("docs/cli.md, section '## %s': option %s of '%s' "
                                       "(in '%s --help') is not documented"
                                       % (cmd, opt, name, name))
            # The other way round: a synopsis (an indented line of the section) shows only
            # options the command has.
            synopses = "\n".join(line for line in section.splitlines()
                                 if line.startswith("    "))
            for opt in sorted(options(synopses) - listed):
                missing.append("docs/cli.md, section '## %s': shows %s, which 'renkei %s "
                               "--help' does not list" % (cmd, opt, cmd))
        self.assertGreater(seen, 40)  # the help texts were read, not skipped
        self.assertEqual(missing, [], "\n" + "\n".join(missing))

    def test_the_docs_say_which_commands_take_data(self):
        # renkei --help says which commands do not take --data: it must be those whose help
        # does not list it.
        top = self.help()
        without = [c for c in self.commands()
                   if "--data" not in options("\n".join(block(self.help(c), "Usage:")))]
        self.assertEqual(without, ["push", "pull", "report", "search", "alert"])
        self.assertIn("all but push, pull, report, search and alert", top.replace("\n", " "))


def curl_words(rest):
    """The arguments of a curl command written on one line, as the shell splits them, up to
    the end of the command (|, ;, &&, a redirection or the end of an inline code span)."""
    lex = shlex.shlex(rest.split("`")[0], posix=True, punctuation_chars=";|&<>")
    lex.whitespace_split = True
    words = []
    try:
        for w in lex:
            if w and set(w) <= set(";|&<>"):
                break
            words.append(w)
    except ValueError:  # an unbalanced quote: prose, not a command
        return []
    return words


class CurlExamplesTest(unittest.TestCase):
    def test_curl_with_brackets_has_globoff(self):
        docs = [os.path.join(ROOT, "README.md")] + sorted(
            glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
        bad = []
        checked = 0
        for path in docs:
            with open(path) as f:
                text = f.read().replace("\\\n", " ")  # shell line continuations
            for line in text.splitlines():
                for m in re.finditer(r"\bcurl\s", line):
                    words = curl_words(line[m.end():])
                    urls = [w for w in words if re.search(r"://|^\$(H|URL)\b", w)]
                    if not any("[" in u for u in urls):
                        continue
                    checked += 1
                    flags = [w for w in words if re.match(r"^-[A-Za-z]+$", w)]
                    if "--globoff" not in words and not any("g" in f for f in flags):
                        bad.append("%s: curl %s" % (os.path.relpath(path, ROOT),
                                                    " ".join(words)))
        self.assertGreater(checked, 0, "no curl command with a filter found: the scan is wrong")
        self.assertEqual(bad, [], "curl without -g on a URL with brackets:\n" + "\n".join(bad))


if __name__ == "__main__":
    unittest.main()
