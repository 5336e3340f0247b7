// Verification of payee: the name behind an account number, shown before money moves to it
// (a shop's public name, a resident's first name and initial). Asked only for a complete
// number, by a signed-in device (`read` carries its token); the service rate-limits it.

/** {number, kind, name, status} of the account `number`; throws the service's Problem. */
export async function lookUpPayee(read, number) {
  return read(`/v1/accounts/${number}/payee`);
}
