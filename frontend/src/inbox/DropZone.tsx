// The file drop zone of the Inbox: a real file picker (keyboard: focus it and press Enter or
// Space) plus the highlight while files are dragged over the page, and the per-file outcomes.
import { useId, useState, type ChangeEvent } from "react";
import { Link } from "react-router";
import { bytes } from "../components/format";
import { folderFiles } from "./folder";
import type { Upload } from "./hooks";
import { FILE_ACCEPT, sourceTitle } from "./sourceView";

function UploadOutcome({ upload }: { upload: Upload }) {
  switch (upload.state) {
    case "waiting":
      return <span className="muted">Waiting…</span>;
    case "uploading":
      return (
        <span className="muted">
          <span className="spinner inline-spinner" aria-hidden="true" /> Uploading…
        </span>
      );
    case "added":
      return <span className="upload-ok">Added</span>;
    case "duplicate":
      return (
        <span>
          Already in your library
          {upload.source ? (
            <>
              : <Link to={`/sources/${upload.source.id}`}>{sourceTitle(upload.source)}</Link>
            </>
          ) : null}
        </span>
      );
    case "error":
      return <span className="upload-error">{upload.message ?? "Failed"}</span>;
  }
}

export default function DropZone({
  dragging,
  uploads,
  onFiles,
  onClear,
}: {
  dragging: boolean;
  uploads: Upload[];
  onFiles: (files: File[]) => void;
  onClear: () => void;
}) {
  const inputId = useId();
  const folderId = useId();
  const [skipped, setSkipped] = useState(0);
  const busy = uploads.some((u) => u.state === "waiting" || u.state === "uploading");
  const count = (state: Upload["state"]) => uploads.filter((u) => u.state === state).length;

  const onFolder = (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = folderFiles(Array.from(e.target.files ?? []));
    e.target.value = "";
    setSkipped(chosen.skipped);
    if (chosen.files.length > 0) onFiles(chosen.files);
  };

  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    // Let the same file be chosen again later.
    e.target.value = "";
    if (files.length > 0) onFiles(files);
  };

  return (
    <section className={`drop-zone${dragging ? " is-dragging" : ""}`} aria-label="Add files" data-dragging={dragging || undefined}>
      <div className="drop-zone-body">
        <span className="drop-zone-icon" aria-hidden="true">
          ⇪
        </span>
        <div className="drop-zone-text">
          <p className="drop-zone-title">{dragging ? "Release to add" : "Drop files anywhere on this page"}</p>
          <p className="muted small">
            PDF, Markdown, text or HTML — a whole folder, a notes vault or a ZIP of one too — or drag a link here from
            another tab.
          </p>
        </div>
        <div className="drop-zone-picks">
          <input
            id={inputId}
            className="visually-hidden drop-zone-input"
            type="file"
            multiple
            accept={FILE_ACCEPT}
            onChange={onChange}
          />
          <label htmlFor={inputId} className="button drop-zone-pick">
            Choose files
          </label>
          <input
            id={folderId}
            className="visually-hidden drop-zone-input"
            type="file"
            multiple
            {...{ webkitdirectory: "" }}
            onChange={onFolder}
          />
          <label htmlFor={folderId} className="button drop-zone-pick">
            Choose a folder
          </label>
        </div>
      </div>
      <div aria-live="polite">
        {uploads.length > 0 ? (
          <>
            {uploads.length > 1 ? (
              <p className="small upload-summary" role="status">
                {count("added")} of {uploads.length} added
                {count("duplicate") > 0 ? ` · ${count("duplicate")} already in your library` : ""}
                {count("error") > 0 ? ` · ${count("error")} failed` : ""}
                {busy ? ` · ${count("waiting") + count("uploading")} to go` : ""}
                {skipped > 0 ? ` · ${skipped} other files of the folder left out` : ""}
              </p>
            ) : null}
            <ul className="uploads" aria-label="Uploads">
              {uploads.map((u) => (
                <li key={u.key} className={`upload upload-${u.state}`} data-upload-state={u.state}>
                  <span className="upload-name">
                    {u.source && u.state === "added" ? <Link to={`/sources/${u.source.id}`}>{u.name}</Link> : u.name}
                    {u.size !== null ? <span className="muted small"> ({bytes(u.size)})</span> : null}
                  </span>
                  <span className="upload-outcome">
                    <UploadOutcome upload={u} />
                  </span>
                </li>
              ))}
            </ul>
            {!busy ? (
              <button type="button" className="small-button" onClick={onClear}>
                Clear this list
              </button>
            ) : null}
          </>
        ) : null}
      </div>
    </section>
  );
}
