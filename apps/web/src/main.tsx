import { render } from 'preact';
import { App } from './App';
import { registerServiceWorker } from './serviceWorker';
import './styles/fonts.css';
import './styles/theme.css';
import './styles/frames.css';
import './styles/screens.css';
import './styles/offline.css';
import './styles/account.css';
import './styles/booking.css';
import './styles/motion.css';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
render(<App />, root);

// Offline shell and push reminders; development has no built worker to register.
if (import.meta.env.PROD) registerServiceWorker();
