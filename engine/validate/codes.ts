/** Every diagnostic code the model and validate stages emit, with a one-line explanation (docs, SARIF rules). */

/** Codes from YAML loading, the JSON Schemas and the model (parseModel). */
export const MODEL_CODES = {
  ERR_MODEL_YAML_SYNTAX:
    'the file is not valid YAML (includes duplicate keys); other files are still checked',
  ERR_MODEL_YAML_MERGE_KEY: 'YAML merge keys (<<) are not supported; write the fields out',
  ERR_MODEL_UNKNOWN_KIND: 'the document has a kind Sigil does not know',
  ERR_MODEL_API_VERSION: 'apiVersion is not sigil/v1',
  ERR_MODEL_DUPLICATE_NAME: 'two objects of the same kind share metadata.name',
  ERR_MODEL_TRUST_DOMAIN_DUPLICATE: 'more than one TrustDomain is declared',
  ERR_SCHEMA_UNKNOWN_FIELD: 'a field the schema does not allow (usually a typo)',
  ERR_SCHEMA_TYPE: 'a field has the wrong type, e.g. a list where a string belongs',
  ERR_SCHEMA_REQUIRED: 'a required field is missing',
  ERR_SCHEMA_VALUE:
    'a field has a value the schema does not allow (enum, pattern, duration, length, duplicate items)',
} as const

/** Codes from the semantic rules (validateModel). */
export const VALIDATE_CODES = {
  ERR_MODEL_TRUST_DOMAIN_MISSING: 'the repository declares no valid TrustDomain',
  ERR_MODEL_INVALID_TRUST_DOMAIN:
    'a trust domain name is not valid (lowercase letters, digits, dots, dashes, underscores)',
  ERR_MODEL_INVALID_SPIFFE_ID: 'a SPIFFE ID does not follow the SPIFFE ID syntax, or lacks a path',
  ERR_MODEL_FOREIGN_TRUST_DOMAIN: "a SPIFFE ID is outside the repository's trust domain",
  ERR_MODEL_RESERVED_PATH: 'a SPIFFE ID is under /spire/, which SPIRE reserves for agents and servers',
  ERR_MODEL_UNKNOWN_PARENT: 'a parentID is neither a declared Node or Entry, an agent ID nor the server ID',
  ERR_MODEL_PARENT_CYCLE: 'entries are parents of each other in a cycle',
  ERR_MODEL_UNKNOWN_ROLE: 'an Entry names a Role that is not declared',
  ERR_MODEL_UNKNOWN_SCOPE: 'a Role names a Scope that is not declared',
  ERR_MODEL_UNKNOWN_FEDERATION: 'federatesWith names a trust domain with no FederationBundle',
  ERR_MODEL_FEDERATES_WITH_SELF:
    "federatesWith or a FederationBundle names the repository's own trust domain",
  ERR_MODEL_DUPLICATE_ENTRY: 'two entries share the key (spiffeID, parentID, sorted selectors)',
  ERR_MODEL_DUPLICATE_FEDERATION: 'two FederationBundles are declared for the same trust domain',
  ERR_MODEL_SELECTOR_SYNTAX: 'a selector is not of the form type:value',
  ERR_MODEL_SELECTOR_UNKNOWN_TYPE: 'a selector type no known attestor emits',
  ERR_MODEL_SELECTOR_UNKNOWN_KEY:
    'a selector key the attestor does not emit (e.g. k8s:namespace instead of k8s:ns)',
  ERR_MODEL_SELECTOR_VALUE: 'a selector value has the wrong form for its key',
  ERR_MODEL_SELECTOR_WRONG_ROLE: 'a workload selector on a Node, or a node selector on an Entry',
  ERR_MODEL_SELECTOR_NONE: 'a Node or Entry has no selectors',
  ERR_MODEL_INVALID_DNS_NAME:
    'a DNS name is not a valid DNS SAN (ASCII labels, one leading *. at most, no trailing dot)',
  ERR_MODEL_TTL_ABOVE_CEILING: "an SVID TTL is above the trust domain's ceiling",
  ERR_MODEL_BUNDLE_ENDPOINT_URL: 'a bundle endpoint URL is not an https URL without userinfo',
  ERR_MODEL_BUNDLE_ENDPOINT_SPIFFE_ID:
    'an https_spiffe bundle endpoint lacks a SPIFFE ID, or has one that is not valid',
  ERR_MODEL_BUNDLE_INVALID:
    'a pinned bundle is neither SPIFFE bundle JSON with a keys array nor PEM certificates',
  ERR_MODEL_BUNDLE_SOURCE_MISSING: 'a FederationBundle has neither a bundleEndpoint nor a bundle',
} as const

export type ModelCode = keyof typeof MODEL_CODES
export type ValidateCode = keyof typeof VALIDATE_CODES

/** All codes of both stages with their explanations. */
export const DIAGNOSTIC_CODES: Readonly<Record<ModelCode | ValidateCode, string>> = {
  ...MODEL_CODES,
  ...VALIDATE_CODES,
}
