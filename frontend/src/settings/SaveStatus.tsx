// What became of a save on the Settings screen, announced politely: the server's refusal,
// a problem found before sending, or "Saved".
import { errorMessage } from "../inbox/hooks";

interface SaveState {
  isError: boolean;
  isSuccess: boolean;
  error: unknown;
}

export default function SaveStatus({ save, invalid = null }: { save: SaveState; invalid?: string | null }) {
  return (
    <span aria-live="polite" className="small">
      {invalid ? <span className="test-bad">{invalid}</span> : null}
      {save.isError ? <span className="test-bad">{errorMessage(save.error)}</span> : null}
      {save.isSuccess && !invalid ? <span className="test-ok">Saved</span> : null}
    </span>
  );
}
