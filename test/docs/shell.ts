import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The README and every page of docs/. */
export function documentationFiles(root: string): string[] {
  const docs = join(root, 'docs');
  return [
    join(root, 'README.md'),
    ...readdirSync(docs)
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => join(docs, file)),
  ];
}

/** The bodies of a Markdown text's ```sh and ```bash blocks, with the line each starts on. */
export function shellBlocks(markdown: string): { body: string; line: number }[] {
  return [...markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((match) => ({
    body: match[1]!,
    line: markdown.slice(0, match.index).split('\n').length + 1,
  }));
}

export interface CommandLine {
  /** What a reader pastes as one command: continued and quoted lines joined, the comment left off. */
  readonly text: string;
  /** `file:line` of its first line. */
  readonly where: string;
}

/**
 * A block's commands: a line ending in `\`, or inside a quote left open, goes on with the next; a `#`
 * that starts a word outside quotes starts a comment to the end of the line.
 */
export function commandLines(block: { body: string; line: number }, file: string): CommandLine[] {
  const commands: CommandLine[] = [];
  let text = '';
  let start = 0;
  let quote: string | undefined;
  const raw = block.body.split('\n');
  raw.forEach((line, index) => {
    if (text === '' && quote === undefined) start = index;
    let kept = '';
    let escaped = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i]!;
      if (escaped) escaped = false;
      else if (char === '\\' && quote !== "'") escaped = true;
      else if (quote) {
        if (char === quote) quote = undefined;
      } else if (char === "'" || char === '"') quote = char;
      else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) break;
      kept += char;
    }
    if (quote) text += `${kept}\n`;
    else if (escaped || kept.trimEnd().endsWith('\\')) text += `${kept.trimEnd().replace(/\\$/, '')} `;
    else {
      text += kept;
      if (text.trim()) commands.push({ text: text.trim(), where: `${file}:${block.line + start}` });
      text = '';
    }
  });
  return commands;
}

/**
 * The simple commands of a command line, each as its words with quotes removed: split at `|`, `||`,
 * `&&`, `;` and `&`; redirections (`> file`, `2>&1`, `< file`) left out.
 */
export function simpleCommands(text: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  let quote: string | undefined;
  let redirect = false;
  const endWord = () => {
    if (word !== undefined) {
      if (redirect) redirect = false;
      else commands.at(-1)!.push(word);
    }
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && /["\\$`]/.test(text[i + 1] ?? '')) word += text[++i]!;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= '';
    } else if (char === '\\') word = (word ?? '') + (text[++i] ?? '');
    else if (/\s/.test(char)) endWord();
    else if ('|&;'.includes(char)) {
      if (char === '&' && text[i - 1] === '>') continue;
      endWord();
      if (text[i + 1] === char) i++;
      if (commands.at(-1)!.length) commands.push([]);
    } else if (char === '>' || char === '<') {
      // `2>` is a descriptor, not a word.
      if (word !== undefined && /^\d$/.test(word)) word = undefined;
      endWord();
      if (text[i + 1] === '>') i++;
      if (text[i + 1] === '&') {
        i++;
        while (/\d/.test(text[i + 1] ?? '')) i++;
      } else redirect = true;
    } else word = (word ?? '') + char;
  }
  endWord();
  return commands.filter((command) => command.length > 0);
}
