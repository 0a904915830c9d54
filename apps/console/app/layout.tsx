import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './styles.css';

export const metadata: Metadata = {
  title: 'Palisade',
  description: 'Network policy, written once and rolled out in stages.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="bar">
          <strong>Palisade</strong>
          <span className="muted">network policy across clusters</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
