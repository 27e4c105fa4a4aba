import { NextResponse } from 'next/server';
import { optionalAccess } from '@/server/access';
import { checkHealth, publicHealth } from '@/server/health';

export const dynamic = 'force-dynamic';

/** The state of the database, the queue and the workers: details for signed-in callers only. */
export async function GET(request: Request) {
  const [health, access] = await Promise.all([checkHealth(), optionalAccess(request)]);
  return NextResponse.json(access ? health : publicHealth(health), {
    status: health.ok ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
  });
}
