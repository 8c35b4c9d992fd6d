// Express 4 and Koa 2 are installed under aliases; their APIs are typed like the current majors here.
declare module 'express4' {
  export * from 'express';
  export { default } from 'express';
}
declare module 'koa2' {
  export * from 'koa';
  export { default } from 'koa';
}
