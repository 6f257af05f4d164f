/**
 * A problem the user can fix (no cloud assembly, no such function, missing
 * build tools). The CLI prints its message alone, without a stack.
 */
export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}
