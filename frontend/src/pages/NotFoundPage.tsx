// Any path the app does not know: say so and offer the way back.
import { Link, useLocation } from "react-router";
import { useTitle } from "../components/common";

export default function NotFoundPage() {
  useTitle("Not found");
  const location = useLocation();
  return (
    <div className="empty">
      <h1>Nothing here</h1>
      <p>
        There is no page at <code>{location.pathname}</code>. Go to the <Link to="/">Inbox</Link> or browse
        the <Link to="/wiki">Wiki</Link>.
      </p>
    </div>
  );
}
