// Floor: what talking to any AWS endpoint costs before any library, Node's own HTTPS (and so TLS) modules.
import { request } from 'node:https';

export const handler = async () => typeof request;
