'use client';
import { useEffect, useRef } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { foldGutter, foldKeymap, indentOnInput, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { yaml } from '@codemirror/lang-yaml';
import type { LocatedProblem } from '../../../../lib/client/validate';

/**
 * CodeMirror 6 with YAML, line numbers and folding. The text is the parent's state; problems the
 * parent computes (the engine, on every change) are underlined at their line and column.
 */
export function YamlEditor({ text, onChange, problems, readOnly = false, label }: { text: string; onChange: (text: string) => void; problems: LocatedProblem[]; readOnly?: boolean; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  // Diagnostics are replaced only when they change: most keystrokes leave them as they were.
  const shown = useRef('');
  onChangeRef.current = onChange;

  useEffect(() => {
    const state = EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        foldGutter(),
        lintGutter(),
        highlightActiveLine(),
        highlightActiveLineGutter(),
        history(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle),
        yaml(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        // Long lines wrap (no sideways scrolling on a phone); read-only text stays reachable by keyboard.
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': label, ...(readOnly ? { tabindex: '0' } : {}) }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChangeRef.current(update.state.doc.toString());
        }),
      ],
    });
    const editor = new EditorView({ state, parent: host.current! });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once; later text from outside (the form, a merge) is dispatched below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current === text) return;
    editor.dispatch({ changes: { from: 0, to: current.length, insert: text } });
    shown.current = ''; // a replaced document lost its diagnostics: set them again below
  }, [text]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const signature = JSON.stringify(problems.map((p) => [p.from, p.to, p.message]));
    if (signature === shown.current) return;
    shown.current = signature;
    const length = editor.state.doc.length;
    const diagnostics: Diagnostic[] = problems.map((p) => ({ from: Math.min(p.from, length), to: Math.min(p.to, length), severity: 'error', message: `${p.path ? `${p.path}: ` : ''}${p.message}` }));
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [problems]);

  return <div ref={host} className="code" data-testid="yaml-editor" />;
}
