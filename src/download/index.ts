export { assertAllowedAddress, ForbiddenAddressError, isAllowedHost, isInternalAddress, type AddressPolicy } from './address-policy';
export { safeGet, type SafeGetOptions, type SafeGetResponse } from './http-get';
export { LocalDirectoryStore, type WavStore } from './store';
