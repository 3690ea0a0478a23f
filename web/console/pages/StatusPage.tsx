/** A page with a heading and a line of status, while something happens (signing in, loading). */
export function StatusPage({ title, message }: { title: string; message: string }) {
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>{title}</h1>
        <p role="status">{message}</p>
      </div>
    </div>
  );
}
