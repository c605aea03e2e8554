import { useState } from 'react';
import { badgeUrl } from '../lib/api';

/** Copies Markdown for a README: the branch's badge, linking to Roger. Where the clipboard is out of
 *  reach (a page served over plain http), the Markdown is shown to copy by hand. */
export function CopyBadge({ name, branch, alias, text = 'Copy badge' }: { name: string; branch: string; alias: string; text?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    const origin = window.location.origin;
    const markdown = `[![build status](${badgeUrl(origin, name, branch)})](${origin}/)`;
    const done = () => {
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2000);
    };
    if (!navigator.clipboard) {
      window.prompt('Badge Markdown', markdown);
      return;
    }
    navigator.clipboard.writeText(markdown).then(done, () => window.prompt('Badge Markdown', markdown));
  };
  return (
    <button type="button" className="button button-small" onClick={copy} aria-label={`Copy badge Markdown for ${alias}`} data-badge-markdown>
      {copied ? 'Copied' : text}
    </button>
  );
}
