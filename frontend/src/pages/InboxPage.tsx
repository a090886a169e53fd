// Screen: the Inbox. Add a link or a note, drop or choose files, and follow every source through
// the pipeline live; the status filter is kept in `?status=`.
import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { useTitle } from "../components/common";
import BudgetWaitNotice from "../inbox/BudgetWaitNotice";
import DropZone from "../inbox/DropZone";
import Feeds from "../inbox/Feeds";
import QuickAdd from "../inbox/QuickAdd";
import SourceList from "../inbox/SourceList";
import { useFileDrop, useUploads } from "../inbox/hooks";

/** What the source page passes along after a delete. */
interface InboxLocationState {
  deleted?: string;
}

export default function InboxPage() {
  useTitle("Inbox");
  const location = useLocation();
  const navigate = useNavigate();
  // Shown once: the history entry forgets it, so a reload does not repeat it.
  const [deleted] = useState(() => (location.state as InboxLocationState | null)?.deleted);
  const hasState = location.state !== null && location.state !== undefined;
  useEffect(() => {
    if (hasState) void navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null });
  }, [hasState, navigate, location.pathname, location.search]);
  const { uploads, addFiles, addLink, clearFinished } = useUploads();
  const drop = useFileDrop(addFiles, addLink);

  return (
    <div className={`inbox${drop.dragging ? " is-dragging" : ""}`} {...drop.handlers}>
      <h1>Inbox</h1>
      {deleted ? (
        <p className="inbox-notice" role="status">
          Deleted “{deleted}”.
        </p>
      ) : null}
      <div className="inbox-add">
        <QuickAdd />
        <DropZone dragging={drop.dragging} uploads={uploads} onFiles={addFiles} onClear={clearFinished} />
      </div>
      <BudgetWaitNotice />
      <SourceList />
      <Feeds />
    </div>
  );
}
