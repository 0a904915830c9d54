/** One line of a diff: kept, removed (only in the old text) or added (only in the new). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** 1-based line numbers in the old and new text (absent on the side the line is not in). */
  old?: number;
  new?: number;
}

/** Past this many lines on a side, the diff compares line sets only (a policy file is far smaller). */
const MAX_LINES = 5_000;

/**
 * A line diff by longest common subsequence, with the common head and tail trimmed first: an edit
 * to one policy compares a few changed lines, not the whole file.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: ' ', text: a[i]!, old: i + 1, new: i + 1 });
  if (midA.length > MAX_LINES || midB.length > MAX_LINES) {
    midA.forEach((text, i) => out.push({ op: '-', text, old: head + i + 1 }));
    midB.forEach((text, i) => out.push({ op: '+', text, new: head + i + 1 }));
  } else {
    // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
    const lcs: Uint32Array[] = Array.from({ length: midA.length + 1 }, () => new Uint32Array(midB.length + 1));
    for (let i = midA.length - 1; i >= 0; i--) for (let j = midB.length - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        out.push({ op: ' ', text: midA[i]!, old: head + i + 1, new: head + j + 1 });
        i++;
        j++;
      } else if (i < midA.length && (j === midB.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
        // Removals before additions, as unified diffs show a replaced line.
        out.push({ op: '-', text: midA[i]!, old: head + i + 1 });
        i++;
      } else {
        out.push({ op: '+', text: midB[j]!, new: head + j + 1 });
        j++;
      }
    }
  }
  for (let k = tail; k > 0; k--) out.push({ op: ' ', text: a[a.length - k]!, old: a.length - k + 1, new: b.length - k + 1 });
  return out;
}

/** Whether two texts differ in anything but trailing newlines. */
export const changed = (diff: DiffLine[]): boolean => diff.some((l) => l.op !== ' ');
