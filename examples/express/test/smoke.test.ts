import { describeExampleSmoke } from '@clickpesa-kit/example-support/testing';
import { startShop } from '../src/app.js';

describeExampleSmoke('Express', startShop);
