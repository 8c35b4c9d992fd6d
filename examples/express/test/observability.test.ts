import { describeExampleObservability } from '@clickpesa-kit/example-support/testing';
import { startShop } from '../src/app.js';

describeExampleObservability('Express', startShop);
