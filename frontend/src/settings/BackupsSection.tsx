// The Settings screen's backups section: whether a backup is written each day, the newest
// archive, and the vault as one download that Obsidian opens.
import type { BackupsInfo } from "../api/types";
import { bytes, dateTime } from "../components/format";

export default function BackupsSection({ backups }: { backups: BackupsInfo }) {
  const last = backups.last;
  return (
    <section aria-labelledby="backups-heading" className="card stack">
      <h2 id="backups-heading">Backups</h2>
      <dl className="source-meta">
        <div className="meta-row">
          <dt>Last backup</dt>
          <dd>
            {last ? (
              <>
                <code>{last.name}</code> · {bytes(last.bytes)} · {dateTime(last.created_at)}
              </>
            ) : (
              "None yet"
            )}
          </dd>
        </div>
        <div className="meta-row">
          <dt>Daily</dt>
          <dd>
            {backups.daily
              ? "A backup is written on the first run of each day; the last 7 days and 4 weeks are kept."
              : "Off (WIKIMIND_BACKUP__DAILY)."}
          </dd>
        </div>
        <div className="meta-row">
          <dt>Where</dt>
          <dd>
            <code>{backups.directory}</code> ({backups.count} {backups.count === 1 ? "archive" : "archives"})
          </dd>
        </div>
      </dl>
      <p className="small muted">
        <code>gateway backup</code> writes one now; <code>gateway restore &lt;archive&gt;</code> rebuilds an empty
        WikiMind from one, on SQLite or PostgreSQL.
      </p>
      <p>
        <a href="/api/export?format=obsidian" download>
          Download the wiki as an Obsidian vault (ZIP)
        </a>
      </p>
    </section>
  );
}
