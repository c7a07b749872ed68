declare module "*.proto" {
  const source: string;
  export default source;
}
