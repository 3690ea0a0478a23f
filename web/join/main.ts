import '../shared/styles';

/**
 * The patient join page. Deliberately vanilla TypeScript: no React and no console code, so the page stays
 * far below its JavaScript budget before the video SDK loads. The HTML is complete without this script;
 * the code form is a placeholder until the consent flow is wired.
 */

function wireSkipLink(): void {
  const skipLink = document.getElementById('skip-link');
  const main = document.getElementById('maincontent');
  skipLink?.addEventListener('click', (event) => {
    if (!main) return;
    event.preventDefault();
    main.focus();
  });
}

function wirePlaceholderForm(): void {
  const form = document.getElementById('join-form');
  form?.addEventListener('submit', (event) => event.preventDefault());
}

wireSkipLink();
wirePlaceholderForm();
