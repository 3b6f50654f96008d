/** The route table: every page, loaded on demand, all but sign-in behind the signed-in guard (manager pages guard themselves with ManagersOnly). */
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
      { path: '/tokens', component: lazy(() => import('./pages/Tokens.js')) },
      { path: '/users', component: lazy(() => import('./pages/Users.js')) },
      { path: '/credentials', component: lazy(() => import('./pages/Credentials.js')) },
      { path: '/channels', component: lazy(() => import('./pages/Channels.js')) },
      { path: '/audit', component: lazy(() => import('./pages/Audit.js')) },
      { path: '/*', component: lazy(() => import('./pages/NotFound.js')) },
    ],
  },
];


