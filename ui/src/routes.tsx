/** The route table: every page, loaded on demand, all but sign-in behind the signed-in guard. */
import type { RouteDefinition } from '@solidjs/router';
import { lazy } from 'solid-js';
import { SignedIn } from './components/Guards.js';

export const routes: RouteDefinition[] = [
  { path: '/sign-in', component: lazy(() => import('./pages/SignIn.js')) },
  {
    path: '/',
    component: SignedIn,
    children: [
      { path: '/', component: lazy(() => import('./pages/Home.js')) },
      { path: '/plans/:id', component: lazy(() => import('./pages/Plan.js')) },
      { path: '/drills/:id', component: lazy(() => import('./pages/Drill.js')) },
      // MANAGER_AND_TOKEN_ROUTES
      { path: '/*', component: lazy(() => import('./pages/NotFound.js')) },
    ],
  },
];


