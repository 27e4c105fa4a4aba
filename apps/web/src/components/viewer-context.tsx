'use client';

import { createContext, useContext, type ReactNode } from 'react';
import { canManage, canWrite, type Role } from '@/lib/roles';

export interface ViewerInfo {
  user: { id: string; name: string; email: string };
  teams: { id: string; name: string; role: Role }[];
  teamId: string;
  role: Role;
}

const ViewerContext = createContext<ViewerInfo | null>(null);

export function ViewerProvider({
  viewer,
  children,
}: {
  viewer: ViewerInfo | null;
  children: ReactNode;
}) {
  return <ViewerContext.Provider value={viewer}>{children}</ViewerContext.Provider>;
}

/** The signed-in person and what their role in the active team allows (the server checks again). */
export function useViewer() {
  const viewer = useContext(ViewerContext);
  const role = viewer?.role ?? 'viewer';
  return { viewer, role, canWrite: canWrite(role), canManage: canManage(role) };
}
