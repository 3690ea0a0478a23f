import { Duration } from 'aws-cdk-lib';
import { HeadersFrameOption, HeadersReferrerPolicy, ResponseHeadersPolicy } from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';

/**
 * The page policy. Scripts and styles only from this origin (the build emits no inline code); the API is
 * same-origin under /api; this stage's own Cognito (its managed-login domain and the regional OIDC endpoint)
 * is the only other place the browser talks to: not `*.amazoncognito.com`, which would let a script post to
 * anyone's user pool. Media from blob: for the video elements. Mirrors infra/local/static-site.ts.
 *
 * Video (Amazon Chime SDK for JavaScript, "Content Security Policy" in its guide): the meeting's signalling
 * and media endpoints are `wss://*.chime.aws` and `https://*.chime.aws` (signalling, TURN control, event
 * ingestion), and the SDK may start a worker from a blob. The guide's `https://*.amazonaws.com` and
 * `*.sdkassets.chime.aws` (with `wasm-unsafe-eval`) are for messaging and the video and voice filters, which
 * this app does not use: left out.
 */
export const CHIME_CONNECT_SOURCES = ['https://*.chime.aws', 'wss://*.chime.aws'] as const;

export function contentSecurityPolicy(region: string, loginOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${loginOrigin} https://cognito-idp.${region}.amazonaws.com ${CHIME_CONNECT_SOURCES.join(' ')}`,
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export interface SecurityHeadersProps {
  region: string;
  /** The managed-login origin, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  loginOrigin: string;
  /** Set as Cache-Control on every response of the behaviour, replacing what the origin says. */
  cacheControl?: string;
}

/** Security headers CloudFront adds to every response, overriding whatever the origin sent. */
export function securityHeadersPolicy(
  scope: Construct,
  id: string,
  props: SecurityHeadersProps,
): ResponseHeadersPolicy {
  const customHeaders = [
    // Camera and microphone for the video consultation, from this origin only; nothing else.
    {
      header: 'Permissions-Policy',
      value: 'camera=(self), microphone=(self), geolocation=()',
      override: true,
    },
    { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
  ];
  if (props.cacheControl) {
    customHeaders.push({ header: 'Cache-Control', value: props.cacheControl, override: true });
  }
  return new ResponseHeadersPolicy(scope, id, {
    comment: `ClinicConnect security headers${props.cacheControl ? `, Cache-Control: ${props.cacheControl}` : ''}`,
    securityHeadersBehavior: {
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(730),
        includeSubdomains: true,
        preload: true,
        override: true,
      },
      contentSecurityPolicy: {
        contentSecurityPolicy: contentSecurityPolicy(props.region, props.loginOrigin),
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      // "X-XSS-Protection: 0": the legacy filter is itself an attack surface; the CSP does the job.
      xssProtection: { protection: false, override: true },
    },
    customHeadersBehavior: { customHeaders },
  });
}
