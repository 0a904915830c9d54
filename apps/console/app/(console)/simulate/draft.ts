/** The editor hands a draft to the simulator through the tab's session storage (policy text only, never a credential). */
const KEY = 'palisade.simulator.draft';

export function handDraft(text: string): void {
  sessionStorage.setItem(KEY, text);
}

export function takeDraft(): string {
  return sessionStorage.getItem(KEY) ?? '';
}
