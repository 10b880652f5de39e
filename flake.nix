{
  description = "TP1 lab kit (CSC 8613): the same Docker CLI, Compose, Python, uv and psql on any host";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs:
        let
          python = pkgs.python312;
        in
        {
          default = pkgs.mkShellNoCC {
            packages = [
              pkgs.docker-client # the docker CLI; nixpkgs wires the Compose v2 plugin into it
              pkgs.docker-compose
              python
              pkgs.uv
              pkgs.postgresql_16 # for psql (libpq alone has none)
              pkgs.gnumake
              pkgs.hadolint
            ];

            # uv uses this shell's Python and never downloads another one.
            UV_PYTHON = python.interpreter;
            UV_PYTHON_DOWNLOADS = "never";
            # Binary wheels (psycopg-binary, uvloop) expect a manylinux system's libraries.
            LD_LIBRARY_PATH =
              if pkgs.stdenv.isLinux
              then pkgs.lib.makeLibraryPath pkgs.pythonManylinuxPackages.manylinux1
              else "";

            shellHook = ''
              uv sync --locked --quiet
              export PATH="$PWD/.venv/bin:$PATH"
              echo "tp1 kit shell: docker, docker compose, python ${python.version}, uv, psql, make, hadolint; .venv synced, invoke on PATH (try: invoke up)"
            '';
          };
        });
    };
}
