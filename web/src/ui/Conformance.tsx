// The conformance report (docs/compliance.md): each 164.312 safeguard and
// the 164.308 and 164.316 items with the live evidence and its verdict.
// The pure part is src/accounting.ts.
import { useEffect, useState } from "preact/hooks";
import { reportURL, statusLabel, type ConformanceReport } from "../accounting";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";

export function Conformance() {
  const w = useWard();
  const [r, setR] = useState<ConformanceReport | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    w.api
      .get<ConformanceReport>("/api/v1/compliance/report")
      .then(setR)
      .catch((e) => setError(errorText(e)));
  }, []);
  return (
    <div class="pad stack">
      <h1>Conformance report</h1>
      <p class="muted">
        The HIPAA Security Rule's technical safeguards (45 CFR 164.312) and the related 164.308 and 164.316 items, checked
        against this ward's live settings, keys and audit trail. The files are signed with the org's audit signing key:
        check one with <code>ward compliance report verify FILE</code>.
      </p>
      <p>
        <a class="button" href={reportURL("pdf")} download="ward-conformance.pdf" id="report-pdf">
          Download PDF
        </a>{" "}
        <a class="button" href={reportURL("html")} download="ward-conformance.html" id="report-html">
          Download HTML
        </a>
      </p>
      <ErrorLine error={error} />
      {r && (
        <>
          <p id="report-summary">
            {r.org_name}, {formatDateTime(r.made_at)}: <span class="check check-pass">{r.pass} pass</span>{" "}
            <span class="check check-warn">{r.warn} warn</span> <span class="check check-fail">{r.fail} fail</span>
          </p>
          {r.sections.map((s) => (
            <section class="card" key={s.title} aria-label={s.title}>
              <h2>{s.title}</h2>
              <div class="table-wrap">
                <table class="report-table">
                  <thead>
                    <tr>
                      <th scope="col">§</th>
                      <th scope="col">Safeguard</th>
                      <th scope="col">Status</th>
                      <th scope="col">Evidence</th>
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.items.map((it) => (
                      <tr key={it.id} data-check={it.id} data-status={it.status}>
                        <td class="nowrap">{it.id}</td>
                        <td>{it.title}</td>
                        <td>
                          <span class={"check check-" + it.status}>{statusLabel[it.status]}</span>
                        </td>
                        <td>{it.evidence}</td>
                        <td>{it.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ))}
        </>
      )}
    </div>
  );
}
