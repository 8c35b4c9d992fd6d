import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

export default defineConfig(nodePackage());
