import { useServices } from '../services';

/** A page's own "Sign out" (the header has one too). */
export function SignOutButton({ id, secondary = true }: { id: string; secondary?: boolean }) {
  const { auth } = useServices();
  return (
    <button
      className={secondary ? 'nhsuk-button nhsuk-button--secondary' : 'nhsuk-button'}
      id={id}
      type="button"
      onClick={() => void auth.signOut('signed-out')}
    >
      Sign out
    </button>
  );
}
