fn main() {
    posko_app::run()
}
