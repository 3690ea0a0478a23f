/**
 * The CSS both pages share: NHS.UK frontend (compiled; web/vite.config.ts strips its remote font and makes
 * its icons local) and our few additions. Import this first from each page's entry.
 */
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './app.css';
