/** A name that may be long: one line, cut with an ellipsis, the whole of it in the tooltip. */
export function Truncated({ text, className = '' }: { text: string; className?: string }) {
  return (
    <span className={`truncate ${className}`.trim()} title={text}>
      {text}
    </span>
  );
}

/** For an <option>, which CSS cannot cut: at most ``max`` characters, then an ellipsis. */
export function clipped(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
