/** The web app's entry: the router over the route table, inside the common layout. */
import { Router } from '@solidjs/router';
import { render } from 'solid-js/web';
import { Layout } from './components/Layout.js';
import { routes } from './routes.js';
import './styles.css';

render(() => <Router root={Layout}>{routes}</Router>, document.getElementById('app')!);
