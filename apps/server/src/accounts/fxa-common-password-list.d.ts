declare module 'fxa-common-password-list' {
  /** Mozilla's list of the 50,000 most common passwords of 8+ characters (lower-case). */
  const commonPasswords: { test(password: string): boolean };
  export default commonPasswords;
}
