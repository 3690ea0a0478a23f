/**
 * The acceptable-use policy staff accept before using the console (R3). A new version asks everyone again:
 * bump the version whenever the text changes.
 */
export const ACCEPTABLE_USE_POLICY = {
  version: '2026-11-1',
  title: 'Acceptable use of Clinic Connect',
  points: [
    'Use Clinic Connect only for the care of your practice’s patients, and only as your role allows.',
    'Do not send sensitive or clinically urgent information by SMS. Messages can be read by anyone with the phone.',
    'Look a patient up only when you need to contact them. Every lookup is recorded and can be audited.',
    'Do not share your account, password or authenticator. Sign out when you leave the device.',
    'Do not record or store video consultations, and do not save patient details on your own device.',
  ],
} as const;
