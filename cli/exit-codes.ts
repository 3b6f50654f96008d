/** Scripts depend on these: 0 the backup passed, 1 it failed verification, 2 anything else. */
export const EXIT_PASSED = 0;
export const EXIT_BACKUP_FAILED = 1;
export const EXIT_USAGE_OR_INFRA = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_USAGE_OR_INFRA,
  ) {
    super(message);
  }
}
