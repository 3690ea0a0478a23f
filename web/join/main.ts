import '../shared/styles';

/**
 * The patient join page. Deliberately vanilla TypeScript: no React and no console code, so the page stays
 * far below its JavaScript budget before the video SDK loads. The HTML is complete without this script;
 * the code form is a placeholder until the consent flow is wired.
 */
document.getElementById('join-form')?.addEventListener('submit', (event) => event.preventDefault());
