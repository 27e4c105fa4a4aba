/**
 * Runs once when the web server starts: without a session secret of at least 32 random bytes
 * the studio refuses to start, naming the variable and how to make one. Then it has the server
 * record each connection's address, which sign-in limits count by.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { readAuthSecret } = await import('@studio/shared');
  try {
    readAuthSecret();
  } catch (error) {
    console.error(`studio: cannot start. ${(error as Error).message}`);
    process.exit(1);
  }
  const { recordPeerAddresses } = await import('./server/peer-address');
  recordPeerAddresses();
}
