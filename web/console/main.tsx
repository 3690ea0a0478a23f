import '../shared/styles';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadRuntimeConfig } from '../shared/runtime-config';
import { App } from './App';
import { createApiClient } from './api/client';
import { AuthService } from './auth/auth-service';
import { ServicesProvider } from './services';

/** Replaces the loading message that index.html shows until React renders. */
function showStartupError() {
  const main = document.getElementById('maincontent');
  if (!main) return;
  const heading = document.createElement('h1');
  heading.textContent = 'Sorry, there is a problem with the service';
  const text = document.createElement('p');
  text.textContent = 'Clinic Connect could not start. Try again later.';
  main.replaceChildren(heading, text);
}

async function start() {
  const root = document.getElementById('app');
  if (!root) throw new Error('#app is missing from index.html');
  let config: Awaited<ReturnType<typeof loadRuntimeConfig>>;
  try {
    config = await loadRuntimeConfig();
  } catch {
    showStartupError();
    return;
  }
  const auth = new AuthService(config);
  const api = createApiClient({
    apiBase: config.apiBase,
    getAccessToken: () => auth.accessToken(),
    onUnauthorized: () => void auth.sessionEnded(),
  });
  await auth.start();
  createRoot(root).render(
    <StrictMode>
      <ServicesProvider services={{ config, auth, api }}>
        <App />
      </ServicesProvider>
    </StrictMode>,
  );
}

void start();
