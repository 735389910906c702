export { assertAllowedAddress, ForbiddenAddressError, isAllowedTarget, isInternalAddress, type AddressPolicy } from './address-policy';
export { NotHttpResponseError, safeGet, type SafeGetOptions, type SafeGetResponse } from './http-get';
export { LocalDirectoryStore, type WavStore } from './store';
