import { mount } from 'svelte';
import './styles/app.css';
import App from './App.svelte';
import { installInputSync } from './lib/inputSync';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

installInputSync(document);

export default mount(App, { target });
