// What people write: names, titles, reviews and notices. Control characters (C0, DEL, C1) have no
// place in any of them; they hide text in logs, break terminals and forge line breaks. Text that
// runs over lines (reviews, notices) may keep tabs and line breaks.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** A one-line text (a name, a title): no control character at all. */
export function isPlainLine(text: string): boolean {
  return !CONTROL.test(text);
}

/** A text of lines (a review, a notice): tabs and line breaks, no other control character. */
export function isPlainText(text: string): boolean {
  return !CONTROL_BUT_LINES.test(text);
}
